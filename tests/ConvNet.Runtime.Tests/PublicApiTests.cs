using System.ComponentModel;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ConvNet.Runtime.Tests;

public sealed class PublicApiTests
{
    // Generated code in the user's assembly calls these two, so they must stay public; users never need them, so
    // IntelliSense (which honours EditorBrowsable for package references) leaves them out. Every other public type is
    // meant for users and must not be hidden.
    [Fact]
    public void Only_the_helpers_of_generated_code_are_hidden_from_IntelliSense()
    {
        var hidden = typeof(INetwork).Assembly.GetExportedTypes()
            .Where(t => t.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never)
            .Select(t => t.FullName!).Order().ToArray();
        Assert.Equal(["ConvNet.Guard", "ConvNet.WorkerPool"], hidden);
    }
}
