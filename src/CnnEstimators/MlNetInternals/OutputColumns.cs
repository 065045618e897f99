namespace CnnMl.MlNetInternals;

/// <summary>
/// The output columns CnnMl transformers add, described as ML.NET describes its own. A classifier
/// carries the annotations ML.NET's multiclass trainers put on their output columns, so Evaluate,
/// MapKeyToValue and the tools that look for a score column set find ours: Score carries
/// ScoreColumnSetId, ScoreColumnKind (MulticlassClassification), ScoreValueKind (Score), SlotNames and
/// TrainingLabelValues (the class names); PredictedLabel the same set id and kind, ScoreValueKind
/// PredictedLabel and KeyValues (the class names).
/// </summary>
internal static class OutputColumns
{
    public static (DataViewSchema.Annotations Score, DataViewSchema.Annotations PredictedLabel) For(DataViewSchema input, IReadOnlyList<string> classNames)
    {
        var setId = input.GetMaxAnnotationKind(out _, AnnotationUtils.Kinds.ScoreColumnSetId) + 1;
        var names = classNames.Select(n => n.AsMemory()).ToArray();
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getNames = (ref VBuffer<ReadOnlyMemory<char>> value) =>
            new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref value);
        var textVector = new VectorDataViewType(TextDataViewType.Instance, names.Length);

        var score = Common(setId, AnnotationUtils.Const.ScoreValueKind.Score);
        score.AddSlotNames(names.Length, getNames);
        score.Add(AnnotationUtils.Kinds.TrainingLabelValues, textVector, getNames);

        var predicted = Common(setId, AnnotationUtils.Const.ScoreValueKind.PredictedLabel);
        predicted.AddKeyValues(names.Length, TextDataViewType.Instance, getNames);
        return (score.ToAnnotations(), predicted.ToAnnotations());
    }

    private static DataViewSchema.Annotations.Builder Common(uint setId, string valueKind)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(AnnotationUtils.Kinds.ScoreColumnSetId, AnnotationUtils.ScoreColumnSetIdType, (ref uint value) => value = setId);
        builder.Add(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
        builder.Add(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = valueKind.AsMemory());
        return builder;
    }

    /// <summary>The output columns a CNN trainer adds, as <see cref="SchemaShape"/> columns (whose constructor ML.NET keeps internal).</summary>
    public static (SchemaShape.Column Score, SchemaShape.Column PredictedLabel) Shapes(string scoreColumnName, string predictedLabelColumnName, SchemaShape.Column label)
    {
        var score = new SchemaShape.Column(scoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false,
            new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(label)));
        var predicted = new SchemaShape.Column(predictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
            new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation().Concat(label.Annotations)));
        return (score, predicted);
    }

    /// <summary><paramref name="input"/> with a known-size float vector column <paramref name="name"/> added (or replacing one of that name).</summary>
    public static SchemaShape WithVectorColumn(SchemaShape input, string name)
    {
        var columns = input.Where(c => c.Name != name).ToList();
        columns.Add(new SchemaShape.Column(name, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false));
        return new SchemaShape(columns);
    }
}
