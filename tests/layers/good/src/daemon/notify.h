int notify_spawn(void);
