FROM alpine
EXPOSE 80 443/tcp	53/udp
USER app:app
STOPSIGNAL SIGKILL
MAINTAINER someone <x@example.com>
VOLUME /a /b
HEALTHCHECK NONE
HEALTHCHECK --interval=1s CMD curl -f http://localhost || exit 1
