int ha(void);
