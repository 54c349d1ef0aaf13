FROM alpine
RUN <<EOF echo ${
EOF
RUN <<EOF echo ${A:-x}
body
EOF
