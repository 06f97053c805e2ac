/* placeholder: replaced by the native port */
int main(void) { return 1; }
