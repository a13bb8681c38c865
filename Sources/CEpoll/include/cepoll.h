#ifndef CEPOLL_H
#define CEPOLL_H
// epoll, which Swift's Glibc module leaves out, for the proxy's relay (RampartNet/Relay).
#include <sys/epoll.h>

// EPOLLEXCLUSIVE is a macro of an unsigned shift that Swift does not import.
static inline unsigned int cepoll_exclusive(void) { return EPOLLEXCLUSIVE; }
#endif
