int control_open(void);
