"""`sfprov doctor`: every prerequisite checked, each answer PASS / WARN / FAIL with the precise fix."""
