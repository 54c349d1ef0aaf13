
# escape=`
FROM alpine
RUN echo `
