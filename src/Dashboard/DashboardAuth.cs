using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Distributed.Dashboard;

/// <summary>
/// The dashboard's token check, a middleware in front of every path of the host (the Orleans dashboard under
/// <c>/orleans</c> too).
/// <list type="bullet">
/// <item>With a token: every request but <c>/healthz</c> needs it, in the <see cref="Header"/> header or in the cookie
/// that <c>?token=</c> sets (SameSite=Strict, HttpOnly; the browser is redirected to the URL without the token).</item>
/// <item>Actions (POST) need the token in the header, never the cookie alone: a cross-site page can make the browser
/// send the cookie but can neither read the token nor add a custom header without a CORS preflight, which is never
/// granted. Without a token (loopback only), actions still need the header (any value), for the same reason.</item>
/// </list>
/// </summary>
public sealed class DashboardAuth(RequestDelegate next, IOptions<TrainingDashboardOptions> options)
{
    public const string Header = "X-Dashboard-Token";
    public const string Cookie = "distributed-dashboard-token";
    public const string QueryKey = "token";

    private readonly byte[]? _token = options.Value.HasToken ? Hash(options.Value.Token!) : null;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.Equals("/healthz", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        var isAction = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (isAction && request.Headers["Sec-Fetch-Site"].ToString() is "cross-site")
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "cross-site requests are refused");
            return;
        }
        if (_token is null)
        {
            if (isAction && !request.Headers.ContainsKey(Header))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, $"actions need the {Header} header (the dashboard's buttons send it)");
                return;
            }
            await next(context);
            return;
        }
        if (!isAction && request.Query.TryGetValue(QueryKey, out var fromQuery))
        {
            if (!Matches(fromQuery.ToString()))
            {
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, "the token in the URL is wrong");
                return;
            }
            context.Response.Cookies.Append(Cookie, fromQuery.ToString(), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                Path = "/",
            });
            // Drop the token from the address bar and history.
            var query = QueryString.Create(request.Query.Where(q => q.Key != QueryKey));
            context.Response.Redirect(request.PathBase + request.Path + query);
            return;
        }
        var fromHeader = request.Headers[Header].ToString();
        var authorized = Matches(fromHeader) || (!isAction && Matches(request.Cookies[Cookie]));
        if (!authorized)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized,
                isAction ? $"actions need the dashboard token in the {Header} header"
                    : $"this dashboard needs its token: open it once as {request.Path}?token=YOUR_TOKEN (the value of {TrainingDashboardOptions.TokenVariable}), or send the {Header} header");
            return;
        }
        context.Items[typeof(DashboardAuth)] = true;
        await next(context);
    }

    /// <summary>Whether the request was let in with the token (the page then hands it to its script for actions).</summary>
    public static bool IsAuthenticated(HttpContext context) => context.Items.ContainsKey(typeof(DashboardAuth));

    private bool Matches(string? candidate) =>
        !string.IsNullOrEmpty(candidate) && CryptographicOperations.FixedTimeEquals(Hash(candidate), _token);

    // Equal-length digests for a constant-time comparison whatever the candidate's length.
    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"{status} {message}\n");
    }
}
