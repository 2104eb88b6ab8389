"""The open-file limit: every socket, the server's and a load generator's, is a file descriptor."""

import resource


def raise_open_file_limit() -> int:
    """Lift the soft limit to the hard one (often 1024 -> more); return the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft
