// Trains a small residual network with batch norm (declared in MnistResNet.cs, compiled by the ConvNet source
// generator) on MNIST, saves and reloads the weights, and draws what it learned.
// `dotnet run -c Release --project samples/ResNet -- --help` lists the options.
using ResNet;
using Samples.Common;

return Sample.Run(ResNetSample.Spec, args);
