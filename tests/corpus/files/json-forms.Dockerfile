FROM alpine
CMD ["a", "b c"]
ENTRYPOINT  [ "x" ]  
SHELL ["/bin/sh", "-c"]
COPY ["a", "b"]
ADD ["a", "b"]
VOLUME ["/v"]
RUN ["echo", "\u00e9"] trailing
CMD []
HEALTHCHECK --retries=3 CMD ["true"]
RUN --mount=type=cache,target=/c ["ls"]
