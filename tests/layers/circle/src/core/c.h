int c(void);
