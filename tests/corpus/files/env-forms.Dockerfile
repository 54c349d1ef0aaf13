FROM alpine
ENV A=1 B="two words" C='single' D=a\ b E="say \"hi\""
ENV OLD value with spaces
ENV EMPTY=""
LABEL "key with space"=v other="x=y"
ARG ONE TWO=2 THREE="3 3"
ARG
ENV	TAB	separated value
