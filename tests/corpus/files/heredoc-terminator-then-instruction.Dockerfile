FROM alpine
RUN <<EOF
echo a
EOF
RUN <<EOF
echo b
EOF
CMD ["sh"]
