/* placeholder: replaced by the stub core */
int stub_placeholder(void);
int stub_placeholder(void) { return 0; }
