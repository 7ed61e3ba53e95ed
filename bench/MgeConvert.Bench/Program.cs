using MgeConvert.Bench;

var graph = ResNet50.Build();
var parameters = graph.Constants().Sum(c => c.Constant!.ElementCount);
Console.WriteLine($"resnet50: {graph.Nodes.Count} nodes, {parameters:N0} parameters");
