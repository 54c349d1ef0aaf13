FROM alpineRUN echo hidden
RUN echo a
RUN echo b \
  c
