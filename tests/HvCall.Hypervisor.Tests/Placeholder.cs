namespace HvCall.Hypervisor.Tests;
