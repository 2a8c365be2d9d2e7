namespace Distributed.Actors.State;

/// <summary>Lets the activator read every persistent state of a new activation before OnActivateAsync.</summary>
internal interface IStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}
