using System.ComponentModel;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class PublicApiTests
{
    // Generated code in the user's assembly calls the kernels of ConvNet.Internal, Guard and WorkerPool, so they must
    // stay public; users never need them, so IntelliSense (which honours EditorBrowsable for package references) leaves
    // them out. Every other public type is meant for users and must not be hidden.
    [Fact]
    public void Only_what_generated_code_calls_is_hidden_from_IntelliSense()
    {
        // A nested type shows only through its containing type, so hiding that one hides it.
        var types = typeof(INetwork).Assembly.GetExportedTypes().Where(t => !t.IsNested).ToArray();
        var hidden = types.Where(t => t.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never)
            .Select(t => t.FullName!).Order().ToArray();
        var expected = types.Where(t => t.Namespace == "ConvNet.Internal").Select(t => t.FullName!)
            .Append("ConvNet.Guard").Append("ConvNet.WorkerPool").Order().ToArray();
        Assert.Contains("ConvNet.Internal.Kernels", expected);
        Assert.Equal(expected, hidden);
    }
}
