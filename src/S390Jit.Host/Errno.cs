namespace S390Jit.Host;

/// <summary>The Linux error numbers the host model returns (include/uapi/asm-generic/errno-base.h, errno.h).</summary>
public static class Errno
{
    public const int EPERM = 1, E2BIG = 7, ENOMEM = 12, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22,
        ERANGE = 34, EOPNOTSUPP = 95, EADDRINUSE = 98, EADDRNOTAVAIL = 99;
}
