FROM alpine
RUN <<EOF \
    # comment in the continuation
    bash -e
echo body
EOF
