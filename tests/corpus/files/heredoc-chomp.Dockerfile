FROM alpine
RUN <<-EOF
	echo tab-indented
		echo two tabs
  echo spaces stay
		EOF
RUN <<-'QUOTED'
	QUOTED
