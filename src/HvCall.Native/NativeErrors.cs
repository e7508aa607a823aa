using System;
using System.Runtime.InteropServices;
using System.Text;

namespace HvCall.Native;

/// <summary>The return codes of include/hvcall.h (<c>HVCALL_E_*</c>) and the per-thread last error.</summary>
internal static unsafe class NativeErrors
{
    public const int Ok = 0;
    public const int Argument = -1;
    public const int Options = -2;
    public const int Vp = -3;
    public const int NotBound = -4;
    public const int GeneralProtection = -5;
    public const int Architecture = -6;
    public const int InvalidOpcode = -7;
    public const int State = -8;

    [ThreadStatic]
    private static byte* t_message;

    /// <summary><c>HVCALL_RESULT_ERROR(code)</c>: a negative code as a 64-bit result word.</summary>
    public static ulong AsResult(int code) => (ulong)(long)code;

    /// <summary>Records <paramref name="message"/> as this thread's last error and returns <paramref name="code"/>.</summary>
    public static int Fail(int code, string message)
    {
        Set(message);
        return code;
    }

    /// <summary>This thread's last error as a NUL-terminated UTF-8 string that stays valid until the next <see cref="Set"/>.</summary>
    public static byte* Message()
    {
        if (t_message == null)
            Set(string.Empty);
        return t_message;
    }

    public static void Set(string message)
    {
        var length = Encoding.UTF8.GetByteCount(message);
        var buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(message, new Span<byte>(buffer, length));
        buffer[length] = 0;
        if (t_message != null)
            NativeMemory.Free(t_message);
        t_message = buffer;
    }
}
