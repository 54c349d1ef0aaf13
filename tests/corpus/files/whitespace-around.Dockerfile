   FROM   alpine   
  RUN   echo   spaced    
CMD
