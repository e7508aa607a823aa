namespace HvCall.Simulation.Tests;
