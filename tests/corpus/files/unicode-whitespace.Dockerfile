FROM alpine
 　
RUN echo a \
  
  b
RUN indented-by-next-line
RUN file-separator
