FROM alpine
RUN <<FIRST <<SECOND bash
echo one
FIRST
echo two
SECOND
COPY <<A <<B /etc/
a
A
b
B
ADD <<EOF /x
EOF
RUN echo after
