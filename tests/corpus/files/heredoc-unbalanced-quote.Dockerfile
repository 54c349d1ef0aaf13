FROM alpine
RUN <<EOF echo "unbalanced
EOF
