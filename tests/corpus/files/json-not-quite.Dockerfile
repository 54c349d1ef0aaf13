FROM alpine
CMD [a, b]
CMD ['a']
CMD ["a",]
CMD ["a"
ENTRYPOINT [NaN]
ENTRYPOINT [Infinity]
CMD [1e999]
RUN [ -f x ]
FROM ["a"]
EXPOSE [1]
WORKDIR ["/x"]
