FROM alpine
RUN echo a \   
  b
RUN echo c \	
  d
RUN echo e \
RUN echo f
