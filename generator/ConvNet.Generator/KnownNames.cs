using System.Collections.Generic;

namespace ConvNet.Generator;

/// <summary>Metadata names of the runtime library's types. The generator cannot reference src/ (netstandard2.0
/// vs net10.0), so they are mirrored here; a test checks them against the real types. Layer attributes are named by
/// their kinds' descriptors (<c>LayerDescriptor.Attribute</c>), which <c>LayerKindTests</c> checks.</summary>
internal static class KnownNames
{
    public const string Namespace = "ConvNet";
    public const string Input = "ConvNet.InputAttribute";
    public const string Network = "INetwork";
    public const string DropoutNetwork = "IDropoutNetwork";

    /// <summary>Members the generator adds to a network class; layer constants classes and user members must not reuse them.</summary>
    public static readonly HashSet<string> GeneratedMembers =
    [
        "InputChannels", "InputHeight", "InputWidth", "InputLength", "OutputLength", "ParameterCount", "BufferCount", "Flops",
        "ActivationBytes", "Summary", "LayerTable", "Layers", "InputShape", "Parameters", "Gradients", "Buffers", "Training",
        "MaxDegreeOfParallelism", "Forward", "Backward", "ZeroGradients", "LayerOutput",
        // Private, but just as much in the way of a layer class or a user member of the same name (CS0102).
        // ContractTests checks this list against the members of a generated class.
        "ActivationLength", "OutputOffset", "ScratchLength", "PrepareBatch", "ForwardWorker",
        "BackwardWorker", "RunForward", "RunBackward", "StatsLength", "PreparedLength", "CheckTraining", "UseSingle", "UseBatch",
        "RunForwardPasses", "RunBackwardPasses", "Dispatch", "NextSeed",
        "BackwardSingle", "BackwardBatch", "CheckBatchForward", "CheckLayer", "Inject",
        // Private fields: a user member of the same name is CS0102 or CS0229 in the generated file just the same.
        "s_layerTable", "s_outputOffsets", "s_live", "_activations", "_deltas", "_singleStats", "_batchStats", "_gradientSums",
        "_prepared", "_batchActivations", "_batchDeltas", "_workerGradients", "_workerScratch", "_workerPartials",
        "_forwardDone", "_singleTraining", "_batchTraining", "_batchForwardSize", "_batchSize", "_workers",
        "_maxDegreeOfParallelism", "_runActivations", "_runDeltas", "_runStats", "_runSize", "_runWorkers", "_runSegment",
        "_runChunk", "_runTraining", "_runInputGradients", "_runInject", "_injection", "_rngState", "_singleSeed",
        "_batchSeed", "_runSeed",
    ];
}
