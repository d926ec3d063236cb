// Trains LeNet-5 (declared in LeNet5.cs, compiled by the ConvNet source generator) on MNIST, saves and reloads the
// weights, and draws what it learned. `dotnet run -c Release --project samples/LeNet -- --help` lists the options.
using LeNet;
using Samples.Common;

return Sample.Run(LeNetSample.Spec, args);
