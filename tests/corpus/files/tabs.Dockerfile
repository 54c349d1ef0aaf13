	FROM	alpine
RUN	echo	tab
ENV	FOO	bar baz
	
COPY	--chown=1	a	b
