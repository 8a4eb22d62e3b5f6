int lonely(void);
