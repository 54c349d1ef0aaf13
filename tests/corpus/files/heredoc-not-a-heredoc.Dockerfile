FROM alpine
RUN echo "<<EOF"
RUN echo '<<EOF'
RUN cat <<<here-string
RUN echo a<<b
RUN ["cat", "<<EOF"]
FROM alpine <<EOF
RUN <<
RUN <<""
