using CnnMl.Datasets;
using CnnMl.Trainers;

// OnnxDeploymentWriter <directory>: trains LeNet-5 (ReLU) for one epoch on 2,000 Fashion-MNIST training
// images through ML.NET's pipeline, then writes into <directory>:
//   deployment.zip  the pipeline converted by mlContext.Model.CreateOnnxDeployment (ML.NET's
//                   OnnxTransformer and MapValue; saved with mlContext.Model.Save)
//   test.idv        the first 100 test images (Features, Label) with the libtorch-scored pipeline's
//                   PredictedLabel as LibtorchPredictedLabel, in ML.NET's binary IDataView format
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: CnnMl.OnnxDeploymentWriter <directory>");
    return 2;
}
var directory = Directory.CreateDirectory(args[0]).FullName;
var ml = new MLContext(seed: 1);
var train = FashionMnist.Load(ml, train: true, options: new DatasetLoadOptions { MaxRows = 2000 });
var test = FashionMnist.Load(ml, train: false, options: new DatasetLoadOptions { MaxRows = 100 });
var pipeline = ml.MulticlassClassification.Trainers.LeNet(new LeNetTrainer.Options
{
    Variant = "lenet5_relu", Epochs = 1, BatchSize = 32, Optimizer = CnnOptimizer.Adam, LearningRate = 2e-3,
});
using var model = pipeline.Fit(train);

var deployment = ml.Model.CreateOnnxDeployment(model, train);
ml.Model.Save(deployment, train.Schema, Path.Combine(directory, "deployment.zip"));

var scored = ml.Transforms.CopyColumns("LibtorchPredictedLabel", "PredictedLabel").Fit(model.Transform(test)).Transform(model.Transform(test));
var kept = ml.Transforms.SelectColumns(train.Schema.Select(c => c.Name).Append("LibtorchPredictedLabel").ToArray()).Fit(scored).Transform(scored);
using (var stream = File.Create(Path.Combine(directory, "test.idv")))
    ml.Data.SaveAsBinary(kept, stream, keepHidden: false);
var accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
Console.WriteLine($"libtorch accuracy on the 100 test images: {accuracy:F4}");
return 0;
