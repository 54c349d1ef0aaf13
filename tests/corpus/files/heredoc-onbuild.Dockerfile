FROM alpine
ONBUILD RUN <<EOF
echo on build
EOF
ONBUILD COPY <<A /a
A
ONBUILD RUN ["echo", "<<EOF"]
