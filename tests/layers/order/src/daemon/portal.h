int portal(void);
