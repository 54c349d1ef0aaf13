FROM alpine
RUN apk add \
    # comment

  # indented comment
    curl \
	
    jq
ENV A=1 \
    # between pairs
    B=2
