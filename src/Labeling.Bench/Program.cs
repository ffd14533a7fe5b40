using Labeling.Bench;

return BenchApp.Run(args, Console.Out, Console.Error, showProgress: !Console.IsErrorRedirected);
