#include "termguard.h"
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t have_saved = 0;

/* Async-signal-safe calls only: restore modes, reset the screen, say what happened, then die of
   the signal with its default action. Not chained to Swift's backtracer: on a terminal it is
   interactive, waits for a key over the dashboard's screen, and the process could then resume in
   cooked mode and go on as if nothing happened. A crash ends the process; the run's lock stays
   for `rampart recover`. */
static void restore(int sig) {
    if (have_saved) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    /* Attributes off, cursor on, main screen back, mouse reports off, the shell's title back. */
    static const char seq[] = "\033[0m\033[?25h\033[?1049l\033[?1000l\033[?1006l\033[23;2t\r\n";
    (void)!write(STDOUT_FILENO, seq, sizeof(seq) - 1);
    static const char note[] =
        "rampart: crashed (fatal signal); the terminal is restored. If a canary was live, "
        "`rampart recover` puts its traffic back where the run file says.\n";
    (void)!write(STDERR_FILENO, note, sizeof(note) - 1);
    signal(sig, SIG_DFL);
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
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}
