int failover(void);
