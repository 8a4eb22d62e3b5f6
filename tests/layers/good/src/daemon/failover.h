int failover_tick(void);
