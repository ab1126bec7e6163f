/*
 * pty-bridge: gives the virtual board's USART1 a real serial device path.
 * Opens a pseudo-terminal pair, prints the slave path on stdout's first line, then copies
 * bytes master -> stdout and stdin -> master until stdin closes. Node cannot create a pty
 * pair itself; this is the small helper the simulator spawns (no socat needed).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int write_all(int fd, const unsigned char *p, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, (size_t)n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {fd, POLLOUT, 0};
        poll(&pf, 1, 100);
        continue;
      }
      return -1;
    }
    p += w;
    n -= w;
  }
  return 0;
}

int main(void) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    perror("pty-bridge: posix_openpt");
    return 1;
  }
  const char *name = ptsname(master);
  if (!name) {
    perror("pty-bridge: ptsname");
    return 1;
  }
  /* Raw line discipline on the slave side as seen from the master's termios. */
  struct termios t;
  if (tcgetattr(master, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(master, TCSANOW, &t);
  }
  /* Keep a slave fd open so the master does not see EIO/HUP before a client opens it. */
  int keep = open(name, O_RDWR | O_NOCTTY);
  if (keep >= 0 && tcgetattr(keep, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(keep, TCSANOW, &t);
  }
  printf("%s\n", name);
  fflush(stdout);

  unsigned char buf[4096];
  struct pollfd fds[2] = {{0, POLLIN, 0}, {master, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) return 0; /* the simulator went away */
      if (write_all(master, buf, n) != 0) return 1;
    }
    if (fds[1].revents & POLLIN) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0 && write_all(1, buf, n) != 0) return 0;
    } else if (fds[1].revents & (POLLHUP | POLLERR)) {
      poll(NULL, 0, 20); /* no client on the slave side: do not spin */
    }
  }
}
