FROM alpine
RUN 3<<EOF cat /dev/fd/3
three
EOF
RUN 10<<-X cat
	x
	X
