# a plain comment first
# escape=`
FROM alpine
RUN echo a `
RUN echo b
