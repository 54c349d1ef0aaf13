FROM alpine
RUN <<EOF
echo crlf

EOF
RUN <<-EOF
	echo chomp
	EOF
