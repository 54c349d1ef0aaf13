FROM alpine
CMD ["a\ud800b", "\ud83d\ude00", "\udc00"]
