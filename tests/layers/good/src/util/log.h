void log_msg(const char *s);
