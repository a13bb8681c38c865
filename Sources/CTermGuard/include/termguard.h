#ifndef TERMGUARD_H
#define TERMGUARD_H
/* Saves the terminal modes now and restores them if the process dies from a fatal signal, so a
   crash never leaves the shell raw and invisible. Call before initscr(). */
void termguard_install(void);
#endif
