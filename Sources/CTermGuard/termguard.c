#include "termguard.h"
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t have_saved = 0;
static struct sigaction previous[32];

/* Async-signal-safe calls only: restore modes, reset the screen, then chain to the previous
   handler (Swift's backtracer) by re-raising with it installed. */
static void restore(int sig) {
    if (have_saved) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    static const char seq[] = "\033[0m\033[?25h\033[?1049l\r\n";
    (void)!write(STDOUT_FILENO, seq, sizeof(seq) - 1);
    sigaction(sig, &previous[sig], NULL);
    raise(sig);
}

void termguard_install(void) {
    if (tcgetattr(STDIN_FILENO, &saved) == 0) have_saved = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore;
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, &previous[sigs[i]]);
}
