/* Glibc's epoll, eventfd, accept4 and batched socket calls for the IO target. No library of its own: these
   are Glibc's functions, declared here because the Glibc module Swift ships leaves them out. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>

/* glibc declares mmsghdr and recvmmsg/sendmmsg only under _GNU_SOURCE, which the Glibc module is
   not built with (defining it here breaks the module's types): the same layout and prototypes,
   under a struct name of our own. */
struct io_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
int recvmmsg(int fd, struct io_mmsghdr *vector, unsigned int count, int flags, struct timespec *timeout);
int sendmmsg(int fd, struct io_mmsghdr *vector, unsigned int count, int flags);

/* accept4 (accept with SOCK_NONBLOCK | SOCK_CLOEXEC in one call) is also _GNU_SOURCE only. */
int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/* pthread_setname_np is _GNU_SOURCE only too: the same prototype (a thread's name as `top -H` and
   /proc show it, at most 15 bytes). */
#include <pthread.h>
int pthread_setname_np(pthread_t thread, const char *name);
